from django.urls import path

from .pages import account, catalogue, cells, evidence, overview, quality, review

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("how-scores-work/", overview.how_scores_work, name="how-scores-work"),
    path("measures/", catalogue.measure_list, name="measure-list"),
    path("measures/<int:number>/", catalogue.measure_detail, name="measure"),
    path("cells/<int:pk>/", cells.cell_detail, name="cell"),
    path("evidence/<uuid:public_id>/", evidence.evidence_detail, name="evidence"),
    path("sources/", evidence.source_list, name="source-list"),
    path("sources/<slug:key>/", evidence.source_detail, name="source"),
    path("account/", account.account, name="account"),
    path("account/tokens/", account.create_token, name="account-create-token"),
    path("account/tokens/revoke/", account.revoke_token, name="account-revoke-token"),
    path("account/subscription/", account.subscribe, name="account-subscribe"),
    path(
        "account/subscription/change/",
        account.update_subscription,
        name="account-update-subscription",
    ),
    path("account/subscription/unsubscribe/", account.unsubscribe, name="account-unsubscribe"),
    path("data-quality/", quality.data_quality, name="data-quality"),
    path("proposals/", review.proposal_list, name="proposals"),
    path("proposals/<uuid:public_id>/", review.proposal_detail, name="proposal"),
    path("proposals/<uuid:public_id>/approve/", review.approve, name="proposal-approve"),
    path("proposals/<uuid:public_id>/return/", review.return_, name="proposal-return"),
    path("proposals/<uuid:public_id>/withdraw/", review.withdraw, name="proposal-withdraw"),
    path("proposals/<uuid:public_id>/repropose/", review.repropose, name="proposal-repropose"),
]
