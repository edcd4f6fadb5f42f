"""Services: the only code that turns ORM rows into engine inputs and back; they own transactions."""
