"""The job contract shared by kontho's API and workers.

Pure Python: importing anything here never imports torch and never calls AWS.
"""

__version__ = "0.1.0"
