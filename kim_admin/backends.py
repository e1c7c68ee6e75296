"""The sign-in backend for local accounts: Django's ``ModelBackend`` with its permission
lookup in one prepared statement, and the user of each request loaded with its role.

Every page and endpoint asks ``user.has_perm`` at least once, and the user object is new with
every request, so Django's backend loads the user's permissions anew each time: two ORM
queries (the user's own permissions, then those of the user's groups, i.e. the role), each
built and compiled by the ORM first. In the test suite that was about 5 % of all CPU time,
and a fifth of what an isolation-matrix request cost. Here the same set comes from one SQL
statement, written once per process from the models' own table and column names; the answer
is still read from the database on every request (nothing is kept across requests, so a role
changed by an administrator counts at the next request, in every process).

What a user may do is unchanged: the same ``"app_label.codename"`` strings as Django's
backend, superusers and inactive users as there (``tests/test_kim_admin_roles.py``).

Every page reads the user's role too (the navigation, the scoping of every query), which cost
a query of its own on every request. The user a request starts with (``get_user`` of the
session's backend, the API token's user) now brings the name of its role group along, in the
query that loads it (``with_role``).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router
from django.db.models import Case, F, OuterRef, Subquery, Value, When
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from kim_admin.roles import Role

# The statement of each database vendor (its quoting), written at its first use.
_statements: dict[str, str] = {}


def _statement(quote) -> str:
    """The user's own and the user's groups' permissions, as (app label, codename) rows."""
    user_model = get_user_model()
    own = user_model._meta.get_field("user_permissions")
    groups = user_model._meta.get_field("groups")
    granted = Group._meta.get_field("permissions")

    def table(field) -> str:
        return quote(field.remote_field.through._meta.db_table)

    return (
        f"SELECT ct.{quote('app_label')}, p.{quote('codename')} "
        f"FROM {quote(Permission._meta.db_table)} p "
        f"JOIN {quote(ContentType._meta.db_table)} ct ON ct.{quote('id')} = p.{quote('content_type_id')} "
        f"WHERE p.{quote('id')} IN ("
        f"SELECT {quote(own.m2m_reverse_name())} FROM {table(own)} "
        f"WHERE {quote(own.m2m_column_name())} = %s "
        f"UNION SELECT gp.{quote(granted.m2m_reverse_name())} FROM {table(granted)} gp "
        f"JOIN {table(groups)} ug ON ug.{quote(groups.m2m_reverse_name())} = "
        f"gp.{quote(granted.m2m_column_name())} "
        f"WHERE ug.{quote(groups.m2m_column_name())} = %s)"
    )


def role_group(user_ref: str = "pk") -> Subquery:
    """The name of the user's role group that ``User.role`` takes (the first of ``Role``'s
    order that the user holds; None without one), for the user ``user_ref`` refers to."""
    roles = [role.value for role in Role]
    order = Case(*(When(name=name, then=Value(rank)) for rank, name in enumerate(roles)))
    held = Group.objects.filter(user=OuterRef(user_ref), name__in=roles)
    return Subquery(held.order_by(order).values("name")[:1])


def with_role(users):
    """The users of the queryset with their role group's name (``role_group``)."""
    return users.annotate(role_group=role_group())


# The ORM's SQL of each compiled statement (``_compiled``) and its parameters but the last,
# per (statement, database vendor): compiled at its first use.
_compiled_statements: dict[tuple[str, str], tuple[str, tuple]] = {}
ASKED = -1  # a user id no user has, that none of the role subquery's parameters equals
# A token key no token has (keys are 40 hex digits), the same for the token statement.
ASKED_KEY = "-"


def _compiled(name: str, model, build, asked, value, connection) -> list:
    """The rows of the queryset ``build()`` gives (of ``model``, built with the stand-in
    ``asked`` as its one WHERE parameter, and its last) for ``value`` in its place, as model
    instances of a raw query.

    The ORM builds and compiles the statement once per database vendor; after that it runs
    as a raw query: the same SQL, the same columns, the same model instances."""
    key = (name, connection.vendor)
    found = _compiled_statements.get(key)
    if found is None:
        sql, params = build().query.get_compiler(connection=connection).as_sql()
        if not params or params[-1] != asked or list(params).count(asked) != 1:
            raise RuntimeError(f"unexpected parameters of the {name} statement: {params!r}")
        found = _compiled_statements[key] = (sql, tuple(params[:-1]))
    sql, params = found
    return list(model._default_manager.raw(sql, [*params, value]))


def user_with_role(user_id):
    """The user ``user_id`` with its role (``with_role``), or None.

    The session's user is loaded on every request with the same query; the ORM compiled it
    anew each time (the user's columns, the role subquery), which cost about ten times what
    running it cost (py-spy over the suite: 7 % of a page request). Compiled once here
    (``_compiled``)."""
    user_model = get_user_model()
    connection = connections[router.db_for_read(user_model)]
    users = _compiled(
        "user",
        user_model,
        lambda: with_role(user_model._default_manager.filter(pk=ASKED)),
        ASKED,
        user_id,
        connection,
    )
    return users[0] if users else None


def token_with_user(key: str):
    """The API token ``key`` with its user, the user with its role (``with_role``), or None:
    one query, compiled once (``_compiled``), as for the session's user. Built and compiled
    by the ORM on every API request (``select_related`` and the role annotation) it cost
    1.34 ms of CPU, run raw 0.13 ms (demo data, SQLite). The token's own columns come along
    as annotations and are converted the way the ORM converts them (``created``: a string on
    SQLite)."""
    from rest_framework.authtoken.models import Token

    user_model = get_user_model()
    connection = connections[router.db_for_read(Token)]
    users = _compiled(
        "token",
        user_model,
        lambda: with_role(user_model._default_manager.filter(auth_token__key=ASKED_KEY)).annotate(
            token_created=F("auth_token__created")
        ),
        ASKED_KEY,
        key,
        connection,
    )
    if not users:
        return None
    user = users[0]
    created_field = Token._meta.get_field("created")
    created = user.__dict__.pop("token_created")
    column = created_field.get_col(Token._meta.db_table)
    for convert in connection.ops.get_db_converters(column) + created_field.get_db_converters(
        connection
    ):
        created = convert(created, column, connection)
    token = Token.from_db(connection.alias, ["key", "user_id", "created"], [key, user.pk, created])
    token.user = user
    return token


class PermissionBackend(ModelBackend):
    def get_user(self, user_id):
        """The session's user, with its role (Django's ``ModelBackend.get_user`` otherwise)."""
        user = user_with_role(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            connection = connections[router.db_for_read(Permission)]
            sql = _statements.get(connection.vendor)
            if sql is None:
                sql = _statements[connection.vendor] = _statement(connection.ops.quote_name)
            with connection.cursor() as cursor:
                cursor.execute(sql, [user_obj.pk, user_obj.pk])
                user_obj._perm_cache = {f"{app}.{codename}" for app, codename in cursor}
        return user_obj._perm_cache


class RoleTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, the token's user loaded with its role (``with_role``);
    DRF's own answers (its texts, translated by its catalogue)."""

    def authenticate_credentials(self, key):
        token = token_with_user(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
