"""Credits: the ledger, signup credits (and, later, Stripe checkout)."""
