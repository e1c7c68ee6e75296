from django.urls import path

from kim_admin.jobqueue import views

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/status/", views.job_status, name="status"),
    path("<int:pk>/ergebnis/", views.job_result, name="result"),
    path("<int:pk>/wiederholen/", views.job_retry, name="retry"),
]
