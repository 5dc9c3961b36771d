// Placeholder: filled in by the op family's implementation.
func registerConvOps(into r: OpRegistry) {}
