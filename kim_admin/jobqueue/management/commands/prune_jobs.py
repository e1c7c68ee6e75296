from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from kim_admin.jobqueue.models import FINISHED, Job


class Command(BaseCommand):
    help = (
        "Löscht erledigte und fehlgeschlagene Aufträge, die älter sind als --days Tage, mit "
        "ihren Dateien (Entwürfe, ZIPs, Exporte). Veröffentlichte Berichte bleiben."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30)

    def handle(self, *args, days, **options):
        cutoff = timezone.now() - timedelta(days=days)
        deleted, _by_model = Job.objects.filter(state__in=FINISHED, finished_at__lt=cutoff).delete()
        self.stdout.write(f"{deleted} Aufträge gelöscht (älter als {days} Tage).")
