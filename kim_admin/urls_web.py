"""The web pages: start page, login and logout."""

from django.urls import path

from kim_admin import accessibility, oidc, search, views

urlpatterns = [
    path("", views.home, name="home"),
    # The local login and, when configured, the identity provider's button (kim_admin.oidc).
    path("login/", oidc.LoginView.as_view(), name="login"),
    path("logout/", oidc.logout, name="logout"),
    path("barrierefreiheit/", accessibility.statement, name="accessibility"),
    path("suche/", search.search, name="search"),
]
