"""Roles: the groups' permissions, ``User.role`` and what each role sees (``restrict``)."""

import pytest
from django.contrib.auth.models import Group

from kim_admin.roles import (
    PLAN_MODELS,
    PLANNING_VIEW,
    REFERENCE_MODELS,
    Role,
    role_permissions,
    sync_role_groups,
)
from kim_admin.scoping import CHANGE, VIEW
from staffing.models import Position
from tests.factories import (
    CarrierFactory,
    CostSplitFactory,
    CostSplitMemberFactory,
    CountyFactory,
    PositionFactory,
    PositionTownFactory,
    TownFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def group_permissions(role: Role) -> set[tuple[str, str]]:
    group = Group.objects.get(name=role.value)
    return set(group.permissions.values_list("content_type__app_label", "codename"))


def test_role_groups_hold_their_permissions_right_after_migrate():
    for role, wanted in role_permissions().items():
        assert group_permissions(role) == set(wanted), role


class TestGroups:
    @pytest.fixture(autouse=True)
    def role_groups(self, db):
        sync_role_groups()

    @pytest.mark.parametrize("role", list(Role))
    def test_group_holds_exactly_the_roles_permissions(self, role):
        assert group_permissions(role) == set(role_permissions()[role])

    def test_every_permission_named_exists(self):
        wanted = {key for keys in role_permissions().values() for key in keys}
        assert wanted <= group_permissions(Role.ADMIN) | group_permissions(Role.FINANCE)

    def test_sync_is_idempotent(self):
        sync_role_groups()
        sync_role_groups()
        assert Group.objects.filter(name__in=[r.value for r in Role]).count() == len(Role)
        assert group_permissions(Role.FINANCE) == set(role_permissions()[Role.FINANCE])

    @pytest.mark.parametrize("role", [Role.FINANCE, Role.COORDINATOR])
    def test_plan_editors_may_change_every_plan_model(self, role):
        user = UserFactory(role=role.value)
        for app, model in PLAN_MODELS:
            for action in ("view", "add", "change", "delete"):
                assert user.has_perm(f"{app}.{action}_{model}"), (app, model, action)
        for app, model in REFERENCE_MODELS:
            assert user.has_perm(f"{app}.view_{model}")
            assert not user.has_perm(f"{app}.change_{model}")

    @pytest.mark.parametrize("role", [Role.CARRIER, Role.TOWN, Role.COUNCIL])
    def test_readers_only_read(self, role):
        user = UserFactory(role=role.value)
        for app, model in PLAN_MODELS + REFERENCE_MODELS:
            # Scenarios are the recipient's confidential working copies (planning roles only).
            planning = (app, f"view_{model}") in PLANNING_VIEW
            assert user.has_perm(f"{app}.view_{model}") is not planning, (app, model)
            for action in ("add", "change", "delete"):
                assert not user.has_perm(f"{app}.{action}_{model}"), (app, model, action)

    def test_admin_group_may_change_reference_data(self):
        group = group_permissions(Role.ADMIN)
        for app, model in REFERENCE_MODELS:
            assert (app, f"change_{model}") in group

    def test_nobody_but_admins_manages_users(self):
        for role in Role:
            assert ("kim_admin", "change_user") not in group_permissions(role)


class TestUserRole:
    def test_role_from_group(self):
        assert UserFactory(role="council").role == Role.COUNCIL
        assert UserFactory(role="carrier").role == Role.CARRIER

    def test_superuser_is_admin(self):
        assert UserFactory(is_superuser=True).role == Role.ADMIN

    def test_no_group_no_role(self):
        assert UserFactory().role is None


@pytest.fixture
def plan(city, other_city):
    """Two recipients, a county with two towns, a carrier working for both recipients."""
    leverkusen, koeln = city, other_city
    county = CountyFactory(name="Oberbergischer Kreis")
    hueckeswagen = TownFactory(name="Hückeswagen", parent=county)
    wipperfuerth = TownFactory(name="Wipperfürth", parent=county)
    caritas = CarrierFactory(name="Caritasverband")
    awo = CarrierFactory(name="Arbeiterwohlfahrt")
    positions = {
        "lev_ki": PositionFactory(recipient=leverkusen, title="KI Leverkusen"),
        "lev_caritas": PositionFactory(recipient=leverkusen, employer=caritas, title="Caritas LEV"),
        "lev_awo": PositionFactory(recipient=leverkusen, employer=awo, title="AWO LEV"),
        "koeln_caritas": PositionFactory(recipient=koeln, employer=caritas, title="Caritas K"),
        "koeln": PositionFactory(recipient=koeln, title="Köln KI"),
        "town_own": PositionFactory(recipient=county, employer=hueckeswagen, title="Eigene Stelle"),
        "shared": PositionFactory(recipient=county, employer=caritas, title="Geteilte Stelle"),
        "split": PositionFactory(recipient=county, title="Region Süd"),
        "other_town": PositionFactory(recipient=county, employer=wipperfuerth, title="Andere"),
    }
    PositionTownFactory(position=positions["shared"], town=hueckeswagen, share=50)
    PositionTownFactory(position=positions["shared"], town=wipperfuerth, share=50)
    split = CostSplitFactory(recipient=county)
    split.positions.add(positions["split"])
    CostSplitMemberFactory(split=split, organisation=hueckeswagen)
    return {
        "leverkusen": leverkusen,
        "county": county,
        "hueckeswagen": hueckeswagen,
        "caritas": caritas,
        **positions,
    }


def visible(user, action=VIEW) -> set[str]:
    return set(Position.objects.restrict(user, action).values_list("title", flat=True))


class TestRestrict:
    @pytest.fixture(autouse=True)
    def role_groups(self, db):
        sync_role_groups()

    def test_finance_sees_and_changes_its_recipients_plan(self, plan):
        user = UserFactory(role="finance", organisation=plan["leverkusen"])
        assert visible(user) == {"KI Leverkusen", "Caritas LEV", "AWO LEV"}
        assert visible(user, CHANGE) == visible(user)

    def test_council_reads_its_recipients_plan_and_changes_nothing(self, plan):
        user = UserFactory(role="council", organisation=plan["leverkusen"])
        assert visible(user) == {"KI Leverkusen", "Caritas LEV", "AWO LEV"}
        assert visible(user, CHANGE) == set()

    def test_carrier_sees_only_positions_it_employs(self, plan):
        user = UserFactory(role="carrier", organisation=plan["caritas"])
        assert visible(user) == {"Caritas LEV", "Caritas K", "Geteilte Stelle"}
        assert visible(user, CHANGE) == set()

    def test_town_sees_what_it_employs_serves_or_shares(self, plan):
        user = UserFactory(role="town", organisation=plan["hueckeswagen"])
        assert visible(user) == {"Eigene Stelle", "Geteilte Stelle", "Region Süd"}
        assert visible(user, CHANGE) == set()

    def test_county_coordinator_sees_the_whole_county_plan(self, plan):
        user = UserFactory(role="coordinator", organisation=plan["county"])
        assert visible(user) == {"Eigene Stelle", "Geteilte Stelle", "Region Süd", "Andere"}

    def test_admin_sees_everything(self, plan):
        user = UserFactory(role="admin", organisation=None)
        assert len(visible(user)) == 9
        assert len(visible(user, CHANGE)) == 9

    def test_without_organisation_or_role_nothing(self, plan):
        assert visible(UserFactory(role="finance", organisation=None)) == set()
        assert visible(UserFactory(organisation=plan["leverkusen"])) == set()

    def test_inactive_user_sees_nothing(self, plan):
        user = UserFactory(role="finance", organisation=plan["leverkusen"], is_active=False)
        assert visible(user) == set()


class TestPermissionBackend:
    """kim_admin.backends.PermissionBackend gives each user exactly the permissions Django's
    own ModelBackend gives, in one statement."""

    def django_says(self, user) -> set[str]:
        from django.contrib.auth.backends import ModelBackend

        return ModelBackend().get_all_permissions(type(user).objects.get(pk=user.pk))

    def ours(self, user) -> set[str]:
        from kim_admin.backends import PermissionBackend

        return PermissionBackend().get_all_permissions(type(user).objects.get(pk=user.pk))

    @pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
    def test_each_role_as_django_says(self, role):
        user = UserFactory(role=role.value)
        assert self.ours(user) == self.django_says(user)
        assert "staffing.view_position" in self.ours(user)

    def test_own_permissions_and_two_groups_together(self):
        from django.contrib.auth.models import Permission

        user = UserFactory(role=Role.COUNCIL.value)
        user.groups.add(Group.objects.get(name=Role.FINANCE.value))
        user.user_permissions.add(Permission.objects.get(codename="change_user"))
        ours = self.ours(user)
        assert ours == self.django_says(user)
        assert {"kim_admin.change_user", "staffing.change_position"} <= ours

    def test_no_group_nothing_inactive_nothing_superuser_everything(self):
        from django.contrib.auth.models import Permission

        nobody = UserFactory()
        assert self.ours(nobody) == self.django_says(nobody) == set()
        inactive = UserFactory(role=Role.FINANCE.value, is_active=False)
        assert self.ours(inactive) == set()
        boss = UserFactory(is_superuser=True)
        assert len(self.ours(boss)) == Permission.objects.count()

    def test_a_request_asks_once_with_one_statement(self, django_assert_num_queries):
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.get(pk=UserFactory(role=Role.FINANCE.value).pk)
        with django_assert_num_queries(1):
            assert user.has_perm("staffing.change_position")
            assert not user.has_perm("kim_admin.change_user")
            assert user.has_perm("funding.view_scenario")


class TestRoleWithTheUser:
    """The user a request starts with (session, API token, OpenID Connect session) brings its
    role along in the query that loads it (kim_admin.backends.with_role): the same role that
    the user's groups give, with no query of its own."""

    def role_from_groups(self, user) -> Role | None:
        from django.contrib.auth import get_user_model

        return get_user_model().objects.get(pk=user.pk).role

    def loaded(self, user, django_assert_num_queries):
        """The user as the session's backend loads it, and its role, in one query."""
        from kim_admin.backends import PermissionBackend

        with django_assert_num_queries(1):
            loaded = PermissionBackend().get_user(user.pk)
            role = loaded.role
        return role

    @pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
    def test_each_role_as_its_groups_say(self, role, django_assert_num_queries):
        user = UserFactory(role=role.value)
        assert self.loaded(user, django_assert_num_queries) == role
        assert self.role_from_groups(user) == role

    def test_of_two_role_groups_the_first_of_the_roles_order(self, django_assert_num_queries):
        # Role's order: finance before council, whatever order the groups were added in.
        user = UserFactory(role=Role.COUNCIL.value)
        user.groups.add(Group.objects.get(name=Role.FINANCE.value))
        user.groups.add(Group.objects.create(name="Newsletter"))
        assert self.loaded(user, django_assert_num_queries) == Role.FINANCE
        assert self.role_from_groups(user) == Role.FINANCE

    def test_no_role_group_no_role_superuser_admin(self, django_assert_num_queries):
        nobody = UserFactory()
        nobody.groups.add(Group.objects.create(name="Newsletter"))
        assert self.loaded(nobody, django_assert_num_queries) is None
        assert self.role_from_groups(nobody) is None
        assert self.loaded(UserFactory(is_superuser=True), django_assert_num_queries) == Role.ADMIN

    def test_the_raw_statement_loads_what_the_orm_loads(self, django_assert_num_queries):
        """user_with_role runs the ORM's own SQL of with_role(users).filter(pk=…), compiled
        once: every field of the instance is the ORM's, and so is the role."""
        from django.contrib.auth import get_user_model

        from kim_admin.backends import user_with_role, with_role

        user = UserFactory(role=Role.TOWN.value, first_name="Jana", email="jana@example.org")
        orm = with_role(get_user_model().objects).get(pk=user.pk)
        with django_assert_num_queries(1):
            loaded = user_with_role(user.pk)
        fields = [field.attname for field in get_user_model()._meta.concrete_fields]
        assert [getattr(loaded, f) for f in fields] == [getattr(orm, f) for f in fields]
        assert loaded.role_group == orm.role_group == Role.TOWN.value
        assert not loaded._state.adding
        assert loaded.pk == user.pk and user_with_role(user.pk + 1000) is None

    def test_the_raw_token_statement_loads_what_the_orm_loads(self, django_assert_num_queries):
        """token_with_user runs the ORM's SQL of the token's user with its role, compiled
        once: the token (key, user, created: converted as the ORM converts it, a string on
        SQLite) and every field of its user are the ORM's."""
        from django.contrib.auth import get_user_model
        from rest_framework.authtoken.models import Token

        from kim_admin.backends import token_with_user, with_role

        user = UserFactory(role=Role.COUNCIL.value, last_name="Özdemir")
        other = UserFactory(role=Role.FINANCE.value)
        Token.objects.create(user=other)
        token = Token.objects.create(user=user)
        orm_token = Token.objects.select_related("user").get(key=token.key)
        orm_user = with_role(get_user_model().objects).get(pk=user.pk)
        with django_assert_num_queries(1):
            loaded = token_with_user(token.key)
            assert loaded.user.role == Role.COUNCIL
        assert (loaded.key, loaded.user_id, loaded.created) == (
            orm_token.key,
            orm_token.user_id,
            orm_token.created,
        )
        assert loaded.created.tzinfo is not None and not loaded._state.adding
        fields = [field.attname for field in get_user_model()._meta.concrete_fields]
        assert [getattr(loaded.user, f) for f in fields] == [getattr(orm_user, f) for f in fields]
        assert "token_created" not in loaded.user.__dict__
        assert token_with_user(token.key.upper()) is None
        assert token_with_user("0" * 40) is None

    def test_an_inactive_or_deleted_user_is_none(self):
        from kim_admin.backends import PermissionBackend

        inactive = UserFactory(role=Role.FINANCE.value, is_active=False)
        assert PermissionBackend().get_user(inactive.pk) is None
        assert PermissionBackend().get_user(inactive.pk + 1000) is None

    def test_the_api_token_and_the_oidc_session_load_the_role_too(self, django_assert_num_queries):
        from rest_framework.authtoken.models import Token
        from rest_framework.exceptions import AuthenticationFailed

        from kim_admin.backends import RoleTokenAuthentication
        from kim_admin.oidc import GroupMappingBackend

        user = UserFactory(role=Role.CARRIER.value)
        token = Token.objects.create(user=user)
        with django_assert_num_queries(1):
            authenticated, _token = RoleTokenAuthentication().authenticate_credentials(token.key)
            assert authenticated == user
            assert authenticated.role == Role.CARRIER
        with django_assert_num_queries(1):
            assert GroupMappingBackend().get_user(user.pk).role == Role.CARRIER
        with pytest.raises(AuthenticationFailed):
            RoleTokenAuthentication().authenticate_credentials("0" * 40)
        user.is_active = False
        user.save()
        with pytest.raises(AuthenticationFailed):
            RoleTokenAuthentication().authenticate_credentials(token.key)
