"""Ledger (台账) import: read a messy spreadsheet, find its table, map its columns, plan and write rows.

reader.py turns .xlsx/.xls/.csv into rows of cells; table.py finds the header and the data rows;
columns.py holds the synonym dictionary; cells.py normalises one cell; engine.py plans every row
(created / updated / unchanged / quarantined) and writes the plan in bulk.
"""
