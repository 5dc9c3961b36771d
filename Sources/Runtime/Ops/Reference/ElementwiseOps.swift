// Placeholder: filled in by the op family's implementation.
func registerElementwiseOps(into r: OpRegistry) {}
