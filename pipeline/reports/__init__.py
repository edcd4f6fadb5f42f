"""PDF documents: the firm's 一企一策 roadmap and the county/city briefing packs.

``render`` turns HTML into PDF with a fetcher that reads only ``static/`` and ``data:`` URLs;
``charts`` draws SVG charts without JavaScript; ``context`` gathers what the templates show in a
fixed number of queries; ``documents`` renders each document; ``jobs`` runs batches in the
background process; ``cli`` is the ``flask export`` group.
"""
