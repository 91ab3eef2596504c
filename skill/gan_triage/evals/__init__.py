"""The eval suite: cases as data, backends, scorers, reports and comparisons.

``gan-triage eval`` (``commands_eval``) drives it. A run uses the modules in
this order. ``cases`` loads cases and builds reports, and ``backends`` produce
a reply for each (``replay`` is the reply cache). ``scorers`` judge each reply,
``runner`` keeps one record per trial and ``summary`` aggregates them.
``markdown`` and ``reports`` write the run, ``compare`` sets two runs side by
side and ``gate`` checks accuracy against the committed baseline.
"""
