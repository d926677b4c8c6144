"""Rules beyond the specification (issue 20): the gaps real templates of the platform's kind
have more often than the specification's. MF1401-MF1429: exposed database credentials,
settings that lose data, end-of-life engines and modes; MF1430-MF1459: network exposure,
transport encryption, over-broad IAM and statement logging."""
