"""The Skype for Business UCWA face of the meeting store (docs/ucwa.md)."""
