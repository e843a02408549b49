"""occisim: discrete-event simulation of acute-leukemia care capacity in Occitanie."""

__version__ = "0.1.0"
