from ninja import Router

from fangyi.resumption.tickets_api import router as tickets_router

router = Router(tags=["resumption"])
router.add_router("", tickets_router)
