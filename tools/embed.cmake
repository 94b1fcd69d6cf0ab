# Writes the file IN as a C++ raw string literal into OUT.
file(READ ${IN} content)
file(WRITE ${OUT} "R\"steward_embed(${content})steward_embed\"\n")
