"""Classify stage: Chinese text (`chinese`, `compact_jieba`, `segment`), the paragraph labels (`labels`,
`label_rules`, `model`, `scorer`), problem and measure items (`kinds`, `items`), and their gold and evaluation (`gold`, `evaluate`)."""
