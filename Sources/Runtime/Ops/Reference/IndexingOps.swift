// Placeholder: filled in by the op family's implementation.
func registerIndexingOps(into r: OpRegistry) {}
