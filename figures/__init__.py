"""The lecture's figures, drawn from the same lambdified functions as the trainer."""
