"""kontho's benchmarks; each writes its figures under bench/results/."""
