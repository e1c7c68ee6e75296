"""The application (Förderantrag) for a year (issue 15): per block the positions' FTE, the
rates in force and the amounts requested, from the engine's figures of that year's plan."""
