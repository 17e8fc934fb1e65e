"""Hand-written requests for the order-actions dataset.

Each action has two disjoint pools of requests, TRAIN and HOLDOUT. Slots: {order} order number,
{amount} money, {code} promo code, {qty} quantity, {email} e-mail address. The answer is the
canonical JSON action: keys sorted, no spaces, values copied from the slots (order and amount as
strings, quantity as a number, promo codes in capitals, e-mail in lower case).
Written for Tollgate, CC0-1.0.
"""

ACTIONS = {
    "cancel_order": {
        "fields": ["order"],
        "train": [
            "Please cancel order {order}.",
            "cancel {order}",
            "I want to cancel my order {order} right away.",
            "Can you stop order {order} before it ships?",
            "Order {order} was a mistake, cancel it please.",
            "I no longer need order number {order}, please cancel.",
            "Kindly cancel the order {order} I placed this morning.",
            "Don't send order {order}, I changed my mind.",
        ],
        "holdout": [
            "I'd like order {order} called off.",
            "scrap order {order} thanks",
            "Is it possible to cancel {order}? I ordered the wrong thing.",
            "Please make sure order {order} never ships, I want it cancelled.",
        ],
    },
    "track_order": {
        "fields": ["order"],
        "train": [
            "Where is order {order}?",
            "track {order}",
            "Can you tell me the delivery status of order {order}?",
            "Has order {order} shipped yet?",
            "I'd like an update on where my order {order} is.",
            "What's the tracking status for {order}?",
            "When will order {order} arrive?",
            "Any news on my parcel, order {order}?",
        ],
        "holdout": [
            "Could you check how far along order {order} is?",
            "status of {order} pls",
            "I'm wondering whether order {order} has left your warehouse.",
            "Is my order {order} out for delivery today?",
        ],
    },
    "refund": {
        "fields": ["order", "amount"],
        "train": [
            "Please refund ${amount} for order {order}.",
            "refund {amount} on {order}",
            "I was overcharged ${amount} on order {order}, please give it back.",
            "Can I get ${amount} refunded for order {order}?",
            "Order {order}: one item was missing, refund ${amount} please.",
            "You owe me ${amount} for order {order}, please refund it.",
            "I'd like a refund of ${amount} on order number {order}.",
            "Send ${amount} back to my card for order {order}.",
        ],
        "holdout": [
            "The price dropped after I bought it. Please return the difference of ${amount} on order {order}.",
            "pls reimburse {amount} dollars for {order}",
            "Order {order} was charged ${amount} too much, I want that money back.",
            "Could you credit ${amount} back for order {order}?",
        ],
    },
    "apply_promo": {
        "fields": ["order", "code"],
        "train": [
            "Please apply code {code} to order {order}.",
            "add promo {code} to {order}",
            "I forgot to use my discount code {code} on order {order}.",
            "Can you put the coupon {code} on my order {order}?",
            "The code {code} didn't apply at checkout for order {order}, can you add it?",
            "Use voucher {code} for order {order} please.",
            "I have promo code {code}, please apply it to order {order}.",
            "Order {order} should have had the {code} discount.",
        ],
        "holdout": [
            "My code {code} wasn't taken off order {order}. Could you apply it now?",
            "pls use {code} on {order}",
            "I meant to enter the voucher {code} when I placed order {order}.",
            "Would you honour discount {code} for my order {order}?",
        ],
    },
    "change_quantity": {
        "fields": ["order", "quantity"],
        "train": [
            "Please change the quantity on order {order} to {qty}.",
            "make {order} qty {qty}",
            "I need {qty} of them instead on order {order}.",
            "Can you update order {order} so I get {qty} units?",
            "Order {order}: I want {qty} in total, not what I entered.",
            "Set the amount on order {order} to {qty} please.",
            "I'd like to change my order {order} to {qty} items.",
            "Could order {order} be for {qty} pieces instead?",
        ],
        "holdout": [
            "I ordered the wrong number. Order {order} should be {qty}.",
            "{order} -> {qty} units please",
            "Please adjust order {order}, I actually need {qty} of the item.",
            "Can the count on my order {order} be changed to {qty}?",
        ],
    },
    "resend_invoice": {
        "fields": ["order", "email"],
        "train": [
            "Please send the invoice for order {order} to {email}.",
            "invoice {order} to {email}",
            "Can you email the receipt for order {order} to {email}?",
            "I need the invoice of order {order} sent to {email}.",
            "Forward the bill for order {order} to {email} please.",
            "Could I get the invoice for {order} at {email}?",
            "Email my accountant at {email} the invoice for order {order}.",
            "Resend the order {order} receipt to {email}.",
        ],
        "holdout": [
            "My finance team needs the invoice for order {order}. Their address is {email}.",
            "pls mail receipt of {order} to {email}",
            "Would you send a copy of the invoice for order {order} to {email}?",
            "The invoice for order {order} should go to {email}, not my usual address.",
        ],
    },
}

# Pools: (train, holdout), disjoint.
CODES = (
    ["SAVE10", "SHIP50", "SPRING15", "WELCOME20", "VIP25", "SUMMER5"],
    ["AUTUMN12", "THANKS30", "FLASH8", "LOYAL18"],
)
EMAIL_USERS = (
    ["maria.k", "jsmith", "accounts", "aisha.p", "tom88", "finance", "priya.r", "lukas.b"],
    ["billing", "noah.t", "yuki.s", "ap.team", "ingrid.h"],
)
EMAIL_DOMAINS = (
    ["example.com", "mail.test", "acme.test"],
    ["example.org", "corp.test"],
)
QUANTITIES = ([1, 2, 3, 4, 6, 10, 12], [5, 7, 8, 15, 20])
