"""ERP and chat integration: signed webhooks for document events, 企业微信 / 钉钉 group robots for
notifications, the voucher CSV export (docs/integration.md).

Part of the notifications app because, like it, it listens to the transitions of the apps below
it and sends what happened elsewhere; nothing below imports it.
"""
