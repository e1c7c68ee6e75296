"""Benchmarks of the council reports (registered in ``bench.__main__``'s registry).

``report_render``: the whole cost overview of Leverkusen (four years through the engine, the
template, the CSV, WeasyPrint) against WeasyPrint alone turning the same finished HTML into
the same PDF/A: the ratio is what the app adds on top of the PDF engine.

``positions_report``: the positions report of one recipient with 1,500 positions (the
state-scale recipient of ``bench.dataset.add_big_recipient``, rolled back afterwards), again
against WeasyPrint alone. Fewer runs: one rendering takes seconds.
"""

from __future__ import annotations

import sys
import time
from datetime import date


def _host():
    """The module that holds the registry: ``python -m bench`` runs bench/__main__.py as
    ``__main__``; importing ``bench.__main__`` a second time would make a second registry."""
    main = sys.modules.get("__main__")
    if main is not None and hasattr(main, "BENCHMARKS") and hasattr(main, "benchmark"):
        return main
    import bench.__main__ as host

    return host


host = _host()

POSITIONS = 1500
BIG_RUNS = 2


def _request(kind: str, recipient, year: int):
    from reports.registry import CouncilHeader, ReportRequest

    header = CouncilHeader(
        body=recipient.name,
        file_number="BENCH/1",
        paper_date=date(year, 12, 1),
        subject=f"Benchmark {kind}",
    )
    return ReportRequest(kind=kind, recipient=recipient, year=year, header=header)


def _weasyprint_alone(report):
    """WeasyPrint on the finished HTML with the same options and the same attachment."""
    from weasyprint import HTML, Attachment

    from reports import rendering

    fetcher = rendering.url_fetcher()
    csv_text = rendering.table_csv(report.content.table)

    def run():
        attachment = Attachment(
            string=csv_text, name=report.attachment_name, relationship="Data", url_fetcher=fetcher
        )
        return HTML(string=report.html, base_url=rendering.BASE_URL, url_fetcher=fetcher).write_pdf(
            pdf_variant=rendering.PDF_VARIANT, attachments=[attachment]
        )

    return run


def _compare(ctx, name: str, request, runs: int):
    from reports import rendering

    def full():
        return rendering.render_pdf(request)

    report = full()
    alone = _weasyprint_alone(report)
    (wall, cpu), (alone_wall, alone_cpu) = host.medians_in_turns(full, alone, runs=runs)
    build = host.median_time(lambda: rendering.build(request), runs)
    timings = [
        host.Timing(name, wall, runs, host.count_queries(full)),
        host.Timing("weasyprint_alone", alone_wall, runs),
        host.Timing(f"{name}.build (engine, years, content)", build, runs),
        host.Timing(f"{name}.cpu_time", cpu, runs),
        host.Timing("weasyprint_alone.cpu_time", alone_cpu, runs),
    ]
    notes = [
        f"  {request.recipient.name} {request.year}: {report.page_count} pages, "
        f"{len(report.pdf):,} bytes, {len(report.content.table) - 1} CSV rows"
    ]
    return host.Result(timings, notes, profile_target=full)


@host.benchmark("report_render")
def report_render(ctx) -> object:
    from carriers.models import Organisation

    recipient = Organisation.objects.filter(slug="leverkusen").first()
    if recipient is None:
        return host.Result([], skipped="no recipient 'leverkusen' in the data set")
    return _compare(ctx, "report_render", _request("cost_overview", recipient, ctx.year), ctx.runs)


@host.benchmark("positions_report")
def positions_report(ctx) -> object:
    from django.db import transaction

    from bench import dataset

    with transaction.atomic():
        started = time.perf_counter()
        recipient = dataset.add_big_recipient(dataset.Params(positions=POSITIONS))
        added = time.perf_counter() - started
        request = _request("positions", recipient, ctx.year)
        result = _compare(ctx, "positions_report", request, min(ctx.runs, BIG_RUNS))
        result.notes.append(f"  {POSITIONS} positions added in {added:.1f} s, rolled back")
        result.profile_target = None  # the recipient is gone once the benchmark returns
        transaction.set_rollback(True)
    return result
