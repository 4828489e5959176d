"""Every report, in one package, under one visibility rule.

- ``lesson``: the collector of a lesson's report for one reader (rows they may read; aggregates over at
  least three observations, or over observations they may all read) — used by the JSON report, the report
  page, the compare page, the 同课异构 events and both downloads;
- ``lesson_docx`` / ``lesson_xlsx``: the Word 听课记录 (with the radar, S-T and talk-time figures drawn
  by ``charts``) and the Excel score sheet;
- ``work`` / ``work_documents``: a researcher's monthly summary and semester report, a school's quota
  sheet;
- ``agreement``: Krippendorff's alpha; ``labels``: how documents word things; ``downloads``: file
  responses; ``endpoints`` and ``pages``: the routes.

The access rules themselves (``can_read_observation``, ``can_see_aggregates``, ``quota_school_ids``,
``can_read_researcher_reports``) are in :mod:`api.access`.
"""
