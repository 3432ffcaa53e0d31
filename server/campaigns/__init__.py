"""Customer care in batches (客户关怀): message templates, campaigns to customers chosen from the install base,
planned once per phone and sent through the message gateway at a throttled rate, opt-outs honoured."""
