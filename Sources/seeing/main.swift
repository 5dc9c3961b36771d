print("seeing")
