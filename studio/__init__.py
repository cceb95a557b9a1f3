"""The studio core: settings, database, accounts, storage, errors, logging."""
