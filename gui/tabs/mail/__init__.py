"""Mail tab: the messages the profile's mail catcher caught (``model``), one message's
text, HTML and attachments (``detail``) and the view that polls the store (``view``)."""
