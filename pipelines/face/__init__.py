"""The face engine: personas, a pose library, landmarks, identity lock and identity score."""
