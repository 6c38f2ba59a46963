"""The chat workload the model benchmarks share: one system prompt, eight maintenance questions."""

SYSTEM = "You are a maintenance assistant. Answer in two or three sentences."
QUESTIONS = [
    "Why does a centrifugal pump trip shortly after start-up?",
    "What should a technician check when a hydraulic excavator loses boom pressure?",
    "How do you recognise cavitation in a pump?",
    "What causes a diesel engine to overheat under load?",
    "Why would a conveyor belt drift to one side?",
    "What are common reasons for a compressor to short-cycle?",
    "How do you check an inlet valve for leaks?",
    "What does a worn seal kit look like on a hydraulic cylinder?",
]
