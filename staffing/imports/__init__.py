"""Import of positions, their occupancy and yearly costs from an XLSX workbook.

One module a stage, named after its layer; ``views`` and ``urls`` are the pages.

The workbook is the template ``template.template_bytes`` writes: three sheets "Stellen",
"Besetzungen" and "Kosten" with German headers, row 1 the header, data from row 2. An import is
all or nothing and runs in stages:

1. ``workbook.read_workbook`` (pure): the bytes must be an XLSX workbook (checked by content, not by
   name); the sheets' cells become typed values (German text or numeric cells), every header
   and every cell that cannot be read is a ``problems.Problem`` (the sheets and columns: ``columns``).
2. ``state.load_state`` (a fixed number of queries, however long the file): the recipient's
   positions the file names (only those in the user's change scope), their occupancy and costs,
   the employers, blocks and pay grades the file mentions.
3. ``plan.build_plan`` (pure, no queries): resolves references, runs each model's own field
   rules and ``clean()`` (without their database lookups), then the rules across rows
   (``staffing.rules``: occupancy never above the FTE, within the position's period), and
   computes what would change. Problems name sheet, row (as Excel numbers it), column, message.
4. ``apply.apply_plan`` (the service): every write in one transaction, positions with their occupancy through
   ``staffing.services.position_save``, costs through ``full_clean`` + ``save``; the acting user
   is recorded in the audit history of every row.

Semantics (the import never deletes positions or costs):

- Stellen: a row with an ID changes that position (it must be a position of the recipient's
  real plan in the user's change scope, else "unbekannte Stelle"); a row without ID creates one.
  A column missing from the sheet leaves that field unchanged; an empty cell empties it.
- Besetzungen: the rows of a position *replace* that position's occupancy. A position with no
  row in the sheet keeps its occupancy (a missing sheet changes no occupancy). To end an
  occupancy, fill in "Besetzt bis".
- Kosten: a row is identified by position, year and Stand; it adds or updates that row.
  Costs the file does not list stay as they are.
- A new position is referred to from Besetzungen and Kosten by its Bezeichnung (it has no ID
  yet); existing positions by their ID.
"""
