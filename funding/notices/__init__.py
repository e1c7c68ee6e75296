"""Grant notices in dated versions (issue 15): the original notice, its amendments and
follow-up notices. The rule which version is in force: ``funding.rules.notice_in_force``."""
