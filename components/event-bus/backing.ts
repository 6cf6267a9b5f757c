/** The EventBus as an opt-in backing service (`ferrum:eventBus`): built from its settings, bound by NATS user. */
import type { EventBusSettings } from "../../config/backings";
import type { BackingBuilder } from "../backing";
import { EventBus } from "./event-bus";

export const eventBusBacking: BackingBuilder<EventBusSettings> = (settings, ctx) => {
  const bus = new EventBus(
    "event-bus",
    {
      namespace: ctx.namespace,
      services: ctx.services,
      replicas: settings.replicas,
      storageGiB: settings.storageGiB,
      monitoringNamespace: ctx.monitoringNamespace,
      monitoringCrds: [...ctx.monitoringCrds],
      protect: ctx.protect,
    },
    ctx.opts,
  );
  return { forService: (service) => bus.forService(service), outputs: { natsUrl: bus.url } };
};
