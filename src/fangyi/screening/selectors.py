"""Reads of risk areas, travel records, screening runs and grid tasks.

Scoped reads are narrowed to the actor's jurisdiction: runs by the region whose residents they
screened, hits and grid tasks by the resident's home village or community.
"""

VIEW = "screening.view"
RUN = "screening.run"
VERIFY = "screening.verify"
