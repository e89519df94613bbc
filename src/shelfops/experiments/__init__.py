"""The experiment workflow of seed 003: propose → approve | reject → in progress →
shadow testing → completed, with adoption going through the model registry."""
