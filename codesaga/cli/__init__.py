"""The ``codesaga`` command: a thin shell over the service layer."""
