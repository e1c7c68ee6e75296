"""URLconf of the benchmarks: the project's URLs plus the lower-bound views of ``bench.views``
(set as ``ROOT_URLCONF`` only while a benchmark runs)."""

from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/stellen-values/", views.position_values, name="bench_position_values"),
    path("", include("kim_admin.urls")),
]
