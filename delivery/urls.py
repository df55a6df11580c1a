from django.urls import path

from delivery import api, api_rounds

app_name = "delivery_api"

urlpatterns = [
    path("check", api.DocumentCheckApi.as_view(), name="check"),
    path("point", api.DeliveryPointApi.as_view(), name="point"),
    path("offices", api.OfficesNearestApi.as_view(), name="offices"),
    path("orders", api.DeliveryOrderApi.as_view(), name="orders"),
    path("track/<str:token>", api.DeliveryTrackApi.as_view(), name="track"),
    path("track/<str:token>/feedback", api.DeliveryFeedbackApi.as_view(), name="track-feedback"),
    path("board", api_rounds.BoardApi.as_view(), name="board"),
    path("plans", api_rounds.PlansApi.as_view(), name="plans"),
    path("shifts", api_rounds.ShiftsApi.as_view(), name="shifts"),
    path("imports", api_rounds.PortalImportApi.as_view(), name="imports"),
    path("rounds/<int:pk>", api_rounds.RoundApi.as_view(), name="round"),
    path("rounds/<int:pk>/stops", api_rounds.RoundStopsApi.as_view(), name="round-stops"),
    path("rounds/<int:pk>/start", api_rounds.RoundStartApi.as_view(), name="round-start"),
    path("rounds/<int:pk>/position", api_rounds.RoundPositionApi.as_view(), name="round-position"),
    path("courier/round", api_rounds.CourierRoundApi.as_view(), name="courier-round"),
    path("proofs", api_rounds.ProofsApi.as_view(), name="proofs"),
    path("orders/<int:pk>/ready", api_rounds.OrderReadyApi.as_view(), name="order-ready"),
    path(
        "orders/<int:pk>/collected", api_rounds.OrderCollectedApi.as_view(), name="order-collected"
    ),
    path("notices", api_rounds.NoticesApi.as_view(), name="notices"),
]
