// Placeholder: filled in by the op family's implementation.
func registerNormalizationOps(into r: OpRegistry) {}
