from django.urls import path

from kim_admin.onboarding import views

app_name = "onboarding"

urlpatterns = [
    path("", views.wizard, name="start"),
    path("<slug:step>/", views.wizard, name="step"),
]
