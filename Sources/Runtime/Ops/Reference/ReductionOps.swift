// Placeholder: filled in by the op family's implementation.
func registerReductionOps(into r: OpRegistry) {}
