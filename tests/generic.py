"""Tests of the generic pages by declaration (after NetBox's ``utilities/testing/views.py``).

Every CRUD model of a recipient's plan has the same pages (``kim_admin.generic.object_urls``):
list, add, detail, edit, delete and history, named ``<app>:<model>_<action>``, with the same
rules (``kim_admin.generic``): a missing model permission answers 403, an object outside the
user's scope 404, every save lands in the history with its user. A test module declares what
is particular to its model and inherits the tests::

    class TestFundingRatePages(generic.ObjectPages):
        model = FundingRate

        def make(self, recipient):
            return FundingRateFactory(recipient=recipient)

        def form_data(self, recipient):
            return {"amount": "58.500,00", "valid_from": "01.04.2026", ...}

        created = {"amount": D("58500.00"), "valid_from": date(2026, 4, 1)}
        edit_changes = {"amount": "59.000,00"}
        changed = {"amount": D("59000.00")}
        history_shows = "57.000,00 → 59.000,00"
        list_queries = 10

Expected values are written by hand in the declaration (German input in the form data, the
stored value in ``created`` and ``changed``), never taken from the code under test.

The classes (each can be used alone):

- :class:`ListPages`: the list answers 200 with the recipient's row and without another
  recipient's, in the same number of queries for 10 and 50 rows;
- :class:`DetailPages`: detail and history of one's own object answer 200;
- :class:`CreatePages`, :class:`EditPages`, :class:`DeletePages`: an editor saves valid German
  input (and the change is in the history with the user), deletes with the version read;
- :class:`PermissionPages`: roles without the model's permissions get 403 on add, edit and
  delete, and nothing changes;
- :class:`IsolationPages`: every route × every non-admin role against an object of another
  recipient: 404 where the role may act on the model, 403 where it may not; the list does not
  show it. :meth:`ObjectPages.expected_status` is the whole matrix, for reuse.

:class:`ObjectPages` combines them all.

Roles are parametrized from the declaration (``tests.conftest.pytest_generate_tests``): a test
that takes ``editing_role`` runs for each of :attr:`ObjectPages.editors`, ``reading_role`` for
editors and :attr:`ObjectPages.readers`, ``refused_role`` for the non-admin roles that are not
editors, ``any_role`` for every non-admin role.
"""

from __future__ import annotations

from typing import ClassVar

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    CarrierFactory,
    CountyFactory,
    OrganisationFactory,
    TownFactory,
    UserFactory,
)

# Every role but the administrator, who sees everything.
NON_ADMIN_ROLES = ("finance", "coordinator", "council", "carrier", "town")
# The pages of a model; list and add take no object.
ACTIONS = ("list", "add", "detail", "edit", "delete", "history")
OBJECT_ACTIONS = ("detail", "edit", "delete", "history")
WRITE_ACTIONS = ("add", "edit", "delete")
# Role arguments a generic test may take, and which roles each runs for.
ROLE_ARGUMENTS = ("editing_role", "reading_role", "refused_role", "any_role")


def generate_role_parameters(metafunc) -> None:
    """Parametrize a generic test's role argument from its class's declaration."""
    cls = metafunc.cls
    if cls is None or not issubclass(cls, ModelPages):
        return
    for argument in ROLE_ARGUMENTS:
        if argument in metafunc.fixturenames:
            metafunc.parametrize(argument, cls.roles_for(argument))


# Every declaration (a class with a model), in the order its module was imported: a matrix
# over all models (routes x roles x another organisation's objects) can start from here.
DECLARATIONS: list[type[ModelPages]] = []


class ModelPages:
    """What every generic test needs: the model, its objects, users and URLs."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "model" in cls.__dict__:
            DECLARATIONS.append(cls)

    model: ClassVar[type]
    # Roles that add, change and delete their recipient's rows.
    editors: ClassVar[tuple[str, ...]] = ("finance", "coordinator")
    # Roles that see their recipient's rows and change nothing.
    readers: ClassVar[tuple[str, ...]] = ("council",)
    # The model's pages.
    actions: ClassVar[tuple[str, ...]] = ACTIONS
    # A recipient of the model's rows: a county-free city, or a county for a county's rows.
    recipient_factory: ClassVar = OrganisationFactory

    # --- declared by the test module ---------------------------------------------------------

    def make(self, recipient):
        """An object of ``recipient`` (saved)."""
        raise NotImplementedError

    # --- roles -------------------------------------------------------------------------------

    @classmethod
    def roles_for(cls, argument: str) -> list[str]:
        if argument == "editing_role":
            return list(cls.editors)
        if argument == "reading_role":
            return [*cls.editors, *cls.readers]
        if argument == "refused_role":
            return [role for role in NON_ADMIN_ROLES if role not in cls.editors]
        return list(NON_ADMIN_ROLES)

    @pytest.fixture
    def recipient(self, db):
        """The recipient whose users the tests log in as. Built fresh (not ``city``): the
        tests stay valid in a module whose other tests load the demo data."""
        return self.recipient_factory()

    @pytest.fixture
    def other_recipient(self, db):
        return self.recipient_factory()

    def organisation_for(self, role: str, recipient):
        """A user's organisation: the recipient for its own staff and council; a carrier or
        a town of its own (neither employer, payer nor member of anything here) else."""
        if role == "carrier":
            return CarrierFactory()
        if role == "town":
            return TownFactory(parent=CountyFactory())
        return recipient

    def log_in(self, client, role: str, recipient):
        user = UserFactory(role=role, organisation=self.organisation_for(role, recipient))
        client.force_login(user)
        return user

    # --- URLs --------------------------------------------------------------------------------

    @classmethod
    def url_name(cls, action: str) -> str:
        return f"{cls.model._meta.app_label}:{cls.model._meta.model_name}_{action}"

    def url(self, action: str, obj=None) -> str:
        args = [obj.pk] if action in OBJECT_ACTIONS else []
        return reverse(self.url_name(action), args=args)

    @classmethod
    def routes(cls) -> list[str]:
        """The model's pages (every model here has all six; one that lacks a page declares
        ``actions`` without it). A declared page that does not exist fails the tests."""
        return list(cls.actions)

    # --- what the rules say ------------------------------------------------------------------

    @classmethod
    def expected_status(cls, role: str, action: str, method: str = "get") -> int:
        """The answer to a non-admin ``role`` on ``action`` for an object of another recipient
        (a GET, or a POST with a valid form): the permission comes first (403 for a write the
        role may not do at all), then the scope (404 for any object it cannot reach). The list
        and the add form answer as for anybody else's."""
        may_write = role in cls.editors
        if action == "list":
            return 200
        if action == "add":
            return 200 if may_write else 403
        if action in WRITE_ACTIONS and not may_write:
            return 403
        return 404  # the same for GET and POST

    # --- helpers -----------------------------------------------------------------------------

    @staticmethod
    def listed(response) -> set[int]:
        """The pks of the rows on a list page (this page of the table)."""
        return {row.record.pk for row in response.context["table"].rows}

    def snapshot(self, obj) -> dict:
        """The stored fields of an object, to see that nothing changed."""
        fresh = type(obj)._default_manager.get(pk=obj.pk)
        return {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}


class ListPages(ModelPages):
    """The list: one's own rows, nobody else's, and queries that do not grow with the rows."""

    # The queries of the list page for an editor (``None``: only "the same for few and many").
    list_queries: ClassVar[int | None] = None
    # Few and many rows of one recipient for the query count.
    query_rows: ClassVar[tuple[int, int]] = (10, 50)

    def test_list_shows_own_rows_and_not_another_recipients(
        self, client, recipient, other_recipient, reading_role
    ):
        own = self.make(recipient)
        foreign = self.make(other_recipient)
        self.log_in(client, reading_role, recipient)
        response = client.get(self.url("list"))
        assert response.status_code == 200
        listed = self.listed(response)
        assert own.pk in listed
        assert foreign.pk not in listed

    def test_list_query_count_is_the_same_for_few_and_many_rows(self, client, recipient):
        self.log_in(client, self.editors[0], recipient)
        url = self.url("list")
        client.get(url)  # the session and the user's permissions, once

        made = []

        def count(rows: int) -> int:
            while len(made) < rows:
                made.append(self.make(recipient))
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200
            assert len(self.listed(response)) == rows
            return len(queries)

        few, many = (count(rows) for rows in self.query_rows)
        assert few == many
        if self.list_queries is not None:
            assert few == self.list_queries


class DetailPages(ModelPages):
    def test_detail_and_history_of_own_object(self, client, recipient, reading_role):
        own = self.make(recipient)
        self.log_in(client, reading_role, recipient)
        detail = client.get(self.url("detail", own))
        assert detail.status_code == 200
        assert detail.context["object"] == own
        assert client.get(self.url("history", own)).status_code == 200


def assert_fields(obj, expected: dict) -> None:
    got = {name: getattr(obj, name) for name in expected}
    assert got == expected


class CreatePages(ModelPages):
    """Adding with valid German input."""

    # The stored values the form data must give: {field: value}.
    created: ClassVar[dict] = {}

    def form_data(self, recipient) -> dict:
        """A complete, valid form as a browser posts it (German numbers and dates)."""
        raise NotImplementedError

    def test_editor_creates_with_german_input_and_the_history_names_them(
        self, client, recipient, editing_role
    ):
        user = self.log_in(client, editing_role, recipient)
        assert client.get(self.url("add")).status_code == 200
        before = set(self.model._default_manager.values_list("pk", flat=True))
        response = client.post(self.url("add"), self.form_data(recipient))
        assert response.status_code == 302, response.content.decode()[:3000]
        (pk,) = set(self.model._default_manager.values_list("pk", flat=True)) - before
        obj = self.model._default_manager.get(pk=pk)
        assert response["Location"] == obj.get_absolute_url()
        assert_fields(obj, self.created)
        record = obj.history.get()
        assert (record.history_type, record.history_user) == ("+", user)
        history = client.get(self.url("history", obj)).content.decode()
        assert user.username in history


class EditPages(ModelPages):
    """Changing one's own object with valid German input."""

    # Form fields the edit changes (German input) and the stored values they give.
    edit_changes: ClassVar[dict] = {}
    changed: ClassVar[dict] = {}
    # A change as the history page shows it, "old → new" (old: the value of make()).
    history_shows: ClassVar[str | None] = None

    def form_data(self, recipient) -> dict:
        raise NotImplementedError

    @pytest.mark.history
    def test_editor_changes_with_german_input_and_the_history_names_them(
        self, client, recipient, editing_role
    ):
        own = self.make(recipient)
        version = own.version
        user = self.log_in(client, editing_role, recipient)
        assert client.get(self.url("edit", own)).status_code == 200
        data = {**self.form_data(recipient), **self.edit_changes, "version": str(version)}
        response = client.post(self.url("edit", own), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        assert response["Location"] == own.get_absolute_url()
        own.refresh_from_db()
        assert own.version == version + 1
        assert_fields(own, self.changed)
        assert own.history.latest().history_user == user
        history = client.get(self.url("history", own)).content.decode()
        assert user.username in history
        if self.history_shows:
            assert self.history_shows in history


class DeletePages(ModelPages):
    def test_editor_deletes_with_the_version_read(self, client, recipient, editing_role):
        own = self.make(recipient)
        user = self.log_in(client, editing_role, recipient)
        assert client.get(self.url("delete", own)).status_code == 200
        response = client.post(self.url("delete", own), {"version": str(own.version)})
        assert response.status_code == 302
        assert response["Location"] == self.url("list")
        assert not self.model._default_manager.filter(pk=own.pk).exists()
        deletion = self.model.history.get(id=own.pk, history_type="-")
        assert deletion.history_user == user


class PermissionPages(ModelPages):
    """Roles without the model's add, change and delete permissions: 403, nothing changes."""

    def form_data(self, recipient) -> dict:
        raise NotImplementedError

    def test_roles_without_permission_get_403_and_change_nothing(
        self, client, recipient, refused_role
    ):
        own = self.make(recipient)
        before = self.snapshot(own)
        count = self.model._default_manager.count()
        self.log_in(client, refused_role, recipient)
        data = {**self.form_data(recipient), "version": str(own.version)}
        assert client.get(self.url("add")).status_code == 403
        assert client.post(self.url("add"), data).status_code == 403
        assert client.get(self.url("edit", own)).status_code == 403
        assert client.post(self.url("edit", own), data).status_code == 403
        assert client.get(self.url("delete", own)).status_code == 403
        assert client.post(self.url("delete", own), {"version": str(own.version)}).status_code == (
            403
        )
        assert self.model._default_manager.count() == count
        assert self.snapshot(own) == before


class IsolationPages(ModelPages):
    """Every route × every non-admin role against an object of another recipient."""

    def form_data(self, recipient) -> dict:
        raise NotImplementedError

    def test_another_recipients_object_is_out_of_reach(
        self, client, recipient, other_recipient, any_role
    ):
        foreign = self.make(other_recipient)
        before = self.snapshot(foreign)
        self.log_in(client, any_role, recipient)
        data = {**self.form_data(other_recipient), "version": str(foreign.version)}
        got, expected = {}, {}
        for action in self.routes():
            obj = foreign if action in OBJECT_ACTIONS else None
            response = client.get(self.url(action, obj))
            got[action, "get"] = response.status_code
            expected[action, "get"] = self.expected_status(any_role, action)
            if action == "list":
                assert foreign.pk not in self.listed(response)
            if action in ("edit", "delete"):
                body = data if action == "edit" else {"version": str(foreign.version)}
                got[action, "post"] = client.post(self.url(action, obj), body).status_code
                expected[action, "post"] = self.expected_status(any_role, action, "post")
        assert got == expected
        assert self.snapshot(foreign) == before


class ObjectPages(
    ListPages,
    DetailPages,
    CreatePages,
    EditPages,
    DeletePages,
    PermissionPages,
    IsolationPages,
):
    """All generic tests of a CRUD model's pages."""
