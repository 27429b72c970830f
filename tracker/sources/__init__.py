"""Importers that read lifecycle dates from outside sources into dataset rows."""
