"""The commands a user types, one module each, between the command line and the library.

A command checks where its results go, calls the analysis (which returns results and knows no folder), writes
the results through ``sim.io`` (files whole or not at all) and renders them through ``sim.report`` (plots and
pages, from the tables written) and ``sim.commands.text`` (what the terminal shows).
"""
