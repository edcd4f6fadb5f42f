"""Reminders: pure rules, the outbox scan, delivery channels, the weekly digest and the scheduler process.

``rules`` is pure; ``scan``, ``deliver`` and ``digest`` are services (they own their transactions);
``scheduler`` is the one long-running process (``flask reminders run``); ``health`` feeds the admin page.
"""
