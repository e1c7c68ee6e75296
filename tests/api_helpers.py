"""Helpers of the API tests."""

from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def token_client(user) -> APIClient:
    """A client that authenticates like a script: ``Authorization: Token …`` on every request,
    so each request loads the user afresh (nothing cached between requests)."""
    token, _created = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def results(response) -> list[dict]:
    assert response.status_code == 200, response.data
    return response.data["results"]


def ids(response) -> set[int]:
    return {row["id"] for row in results(response)}


def list_url(basename: str) -> str:
    return reverse(f"api:{basename}-list")


def detail_url(basename: str, obj) -> str:
    return reverse(f"api:{basename}-detail", args=[obj.pk])
