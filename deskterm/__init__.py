"""deskterm — the front-desk system of a car showroom, in the terminal."""

__version__ = "0.1.0"
