"""The user admin: operators find users by email or sub, filter by role, see avatars."""

from __future__ import annotations

import pytest

from apps.accounts.services import user_avatar_set
from tests.accounts.factories import UserFactory
from tests.core.test_pictures import picture_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    operator = UserFactory(is_staff=True, is_superuser=True, cognito_sub=None)
    client.force_login(operator)
    return client


def test_users_are_found_by_email_and_sub_and_filtered_by_role(operator_client):
    ana = UserFactory(email="ana@example.com", organizer=True)
    bob = UserFactory(cognito_sub="sub-bob")
    url = "/admin/accounts/user/"

    def listed(**params):
        response = operator_client.get(url, params)
        assert response.status_code == 200
        return {user.pk for user in response.context["cl"].result_list}

    assert listed(q="ana@example") == {ana.pk}
    assert listed(q="sub-bob") == {bob.pk}
    assert listed(role__exact="organizer") == {ana.pk}


def test_change_page_shows_the_avatar_and_keeps_cognito_roles_read_only(operator_client):
    user = UserFactory(staff=True)
    user_avatar_set(user=user, upload=picture_file("PNG"))
    response = operator_client.get(f"/admin/accounts/user/{user.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'src="/media/{user.avatar_thumbnail}"' in html
    assert 'name="role"' not in html
    assert 'name="is_active"' in html


def test_api_roles_do_not_open_the_admin(client):
    client.force_login(UserFactory(admin=True))
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302
