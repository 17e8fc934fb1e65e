"""The seed and the instruction line of each dataset's prompts, shared by the generator and the cards."""

SEED = 8

ROUTING_INSTRUCTION = "Route this customer message to a support queue. Answer with the queue label only."
REPLIES_INSTRUCTION = "Write the reply a Larkspur support agent would send to this customer."
ACTIONS_INSTRUCTION = "Turn this customer request into a JSON action."
