"""The four chidao services. Each is its own process (``chidao serve NAME``) and never
imports another service's package; they meet only through the contracts in ``shared``."""
