"""What the role modes (facilitated groups, team mentoring) share: the role plan, the base spec,
lexicographic CP-SAT phases, the result's tables and the explanation of a group."""
