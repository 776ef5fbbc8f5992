"""Test-only database backends: the stock ones, except that a test flush may empty the journal.

Selected in config/settings/test.py only. TransactionTestCase and live-server journeys empty every
table between tests; the journal's append-only triggers would refuse that. These backends lift the
guard for the flush statement alone and restore it at once. No production setting names them, so
production has no switch that lets entries be edited or removed.
"""
